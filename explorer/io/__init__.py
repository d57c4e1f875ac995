"""Files in and out: project files, data set readers and exporters. No Qt here."""
