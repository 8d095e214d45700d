"""The top layer: the jobs, their schedules and sensors, the run driver of `dcw run`
(nightly.py), back-up and restore, and the browser side (`dcw ui`). Nothing below imports
from here; definitions.py wires it all; pipelines/definitions.py is the code location."""
