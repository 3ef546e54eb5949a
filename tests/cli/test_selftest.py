import subprocess
import sys


def test_self_test_round_trips_a_signed_event() -> None:
    done = subprocess.run([sys.executable, "-m", "webhook_studio", "--self-test"],
                          capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    assert "Signature is valid." in done.stdout
    assert done.stdout.strip().endswith("self-test passed")
    assert done.stderr == ""
