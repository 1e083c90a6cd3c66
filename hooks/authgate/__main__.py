from __future__ import annotations

from authgate.cli import main

raise SystemExit(main())
