"""Records a runner owns and can take anywhere: pure builders that take plain values and return bytes.

- :mod:`calfcare.exports.backup`: the backup zip (documented JSON tables plus a manifest with the schema revision)
- :mod:`calfcare.exports.ical`: the plan as an iCalendar feed (exercise days, run sessions, a daily reminder)
- :mod:`calfcare.exports.fhir`: a FHIR R4 Bundle
- :mod:`calfcare.exports.report`: the clinician's report (HTML, then PDF with WeasyPrint)

Nothing here reads the database: :mod:`calfcare.services.exports` and :mod:`calfcare.services.runners` gather.
"""
