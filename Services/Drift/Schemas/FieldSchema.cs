namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// What was seen at one path of a payload (<see cref="FieldPath"/> syntax: <c>$.order.lines[].sku</c>).
/// <see cref="Nullable"/>: a null was seen there. <see cref="Optional"/>: the member was absent from some of the
/// objects it belongs to, which can only happen under an array, whose items are merged into one schema.
/// </summary>
public sealed record FieldSchema(string Path, JsonTypes Types, bool Nullable, bool Optional)
{
    /// <summary>Always present and never null (Confluent's meaning of a required field).</summary>
    public bool Required => !Nullable && !Optional;
}
