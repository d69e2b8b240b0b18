namespace ConnectorHealth.Drift.Apis.Models;

public sealed record DriftEventPage(IReadOnlyList<DriftEventItem> Items, string? Cursor);
