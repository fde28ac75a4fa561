"""Reading load from activities: daily/weekly load, intensity, retrospective, baseline, adherence, warnings. Pure."""
