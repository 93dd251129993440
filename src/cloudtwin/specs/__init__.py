"""botocore's service models: lazy loading and the index of every service cloudtwin answers."""
