try:
    from aspirectl.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while Python imports the entry point, before its handler
    import os

    os.write(2, b"aspirectl: error: interrupted\n")
    raise SystemExit(130) from None

raise SystemExit(main())
