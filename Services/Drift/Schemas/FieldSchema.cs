namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// What was seen at one path of a payload (<see cref="FieldPath"/> syntax: <c>$.order.lines[].sku</c>).
/// <see cref="Nullable"/>: a null was seen there. <see cref="Optional"/>: the member was absent from some of the
/// objects it belongs to, which can only happen under an array, whose items are merged into one schema.
/// <see cref="Detail"/> is set only for fields declared by a dataset's schema facet (<see cref="DatasetTypes"/>): a
/// finer kind of string (<c>date-time</c>, <c>date</c>, <c>time</c>), or, with no JSON type, a type drift does not
/// know, by its normalised text. Inferred fields never have one, so their fingerprints are as before.
/// </summary>
public sealed record FieldSchema(string Path, JsonTypes Types, bool Nullable, bool Optional, string? Detail = null)
{
    /// <summary>Always present and never null (Confluent's meaning of a required field).</summary>
    public bool Required => !Nullable && !Optional;

    /// <summary>The field's types as changes show them: <see cref="JsonTypesText.Format"/>, then <c>(detail)</c> when it has one.</summary>
    public string TypeText => Detail is null
        ? JsonTypesText.Format(Types, Nullable)
        : Types == JsonTypes.None ? $"other({Detail})" : $"{JsonTypesText.Format(Types, Nullable)}({Detail})";
}
