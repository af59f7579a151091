"""Starting the whole assistant locally: endpoints file and process supervisor."""
