"""Report templates users can edit in Word (installed as ``dvcq_xl.workbook_templates``)."""
