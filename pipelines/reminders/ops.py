"""The Dagster side of the reminders: the op of the job `reminders` (its job and schedule
are in pipelines/orchestration). It is an op, not an asset: it changes nothing the graph
builds on, and a delivery problem is a log line and an outbox row, never a failed step."""

# no `from __future__ import annotations`: Dagster reads the op's annotations as real types

import dagster as dg

from pipelines.core.resource import WarehouseResource
from pipelines.reminders import run_reminders


class RemindersRunConfig(dg.Config):
    dry_run: bool = False  # write the messages to files under $DCW_REPORTS/reminders instead


@dg.op(description="Turn the reminders' marts into messages and deliver the new ones once "
                   "(e-mail, group robot), per the reminders configuration (docs/reminders.md).")
def send_reminders(context: dg.OpExecutionContext, config: RemindersRunConfig,
                   warehouse: WarehouseResource) -> dg.Output[dict]:
    summary = run_reminders(warehouse.settings, dry_run=config.dry_run, log=context.log.info)
    return dg.Output(
        {"events": summary.events, "sent": summary.sent, "retrying": summary.retrying},
        metadata={"events": summary.events, "new deliveries": summary.queued,
                  "messages sent": sum(summary.sent.values()), "to retry": summary.retrying,
                  "given up": summary.given_up, "dry-run files": len(summary.files)},
    )
