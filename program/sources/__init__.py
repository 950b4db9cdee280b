"""Sources of records to ground samples on: source cards plus readers and generators."""
