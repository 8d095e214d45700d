"""Reports people open in a spreadsheet (finance's monthly write-off), written from the marts
under `settings().reports` (`DCW_REPORTS`, default data/reports), one subfolder per report."""
