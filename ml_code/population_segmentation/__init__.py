"""Population segmentation of US counties (ACS 2015): preprocessing, component selection, evaluation."""
