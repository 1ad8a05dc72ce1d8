import os
import sys

# Node 20 runs the CDK here; its end-of-life banner would precede every synth's output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from local_runtime.cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # `... | head` closed the pipe: stop quietly, as other command-line tools do
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
