from tests.saving.tally import TALLY


def pytest_terminal_summary(terminalreporter):
    if any(TALLY.values()):
        terminalreporter.write_line(
            f"issue 5 tally: {TALLY['hostile files']} hostile files tried (each refused with ModelFileError/"
            f"ModelPathError, or loaded identical to the saved model), {TALLY['bad inputs']} bad inputs tried, "
            f"{TALLY['kills survived']} SIGKILLs survived, {TALLY['executed']} payloads executed")
