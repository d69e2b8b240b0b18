namespace ConnectorHealth.Metrics.Ingest;

public sealed record StoreResult(int Stored, int Duplicates, int Rejected);
