using System.Text.Json.Serialization;

namespace ConnectorHealth.Drift.StoredHistory;

/// <summary>
/// A field as the database and the API hold it: its JSON types by name, and for a dataset's declared field its
/// <see cref="Schemas.FieldSchema.Detail"/> (left out when there is none).
/// </summary>
public sealed record StoredField(
    string Path,
    IReadOnlyList<string> Types,
    bool Nullable,
    bool Optional,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null);
