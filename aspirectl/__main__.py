from aspirectl.cli.main import main

raise SystemExit(main())
