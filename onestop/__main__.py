from onestop.cli import main

# Guarded: `onestop serve --workers N` starts its workers as fresh interpreters, which import
# this module again as `__mp_main__`; they must not run the command line a second time.
if __name__ == "__main__":
    main()
