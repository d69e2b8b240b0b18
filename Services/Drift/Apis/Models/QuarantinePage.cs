namespace ConnectorHealth.Drift.Apis.Models;

public sealed record QuarantinePage(IReadOnlyList<QuarantineItem> Items, string? Cursor);
