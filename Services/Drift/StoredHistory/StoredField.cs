namespace ConnectorHealth.Drift.StoredHistory;

/// <summary>A field as the database and the API hold it: its JSON types by name.</summary>
public sealed record StoredField(string Path, IReadOnlyList<string> Types, bool Nullable, bool Optional);
