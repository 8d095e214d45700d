"""The top layer: the jobs, their schedules and sensors, the run driver of `dcw run`
(nightly.py), back-up and restore, and the browser side (`dcw ui`). Nothing below imports
from here; the Definitions that wire it all are in pipelines/definitions.py."""
