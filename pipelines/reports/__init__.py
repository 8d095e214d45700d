"""Reports people open in a spreadsheet (finance's monthly write-off), written from the marts
under the reports folder of the settings (`DCW_REPORTS`, default data/reports), one subfolder per report."""
