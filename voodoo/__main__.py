from voodoo.cli import main

raise SystemExit(main())
