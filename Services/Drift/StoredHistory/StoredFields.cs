using System.Text.Json;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.StoredHistory;

/// <summary>Converts inferred fields to and from their stored JSON form.</summary>
public static class StoredFields
{
    private static readonly (JsonTypes Type, string Name)[] Names =
    [
        (JsonTypes.Boolean, "boolean"), (JsonTypes.Integer, "integer"), (JsonTypes.Number, "number"),
        (JsonTypes.String, "string"), (JsonTypes.Object, "object"), (JsonTypes.Array, "array"),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static StoredField From(FieldSchema field) =>
        new(field.Path, Names.Where(n => field.Types.HasFlag(n.Type)).Select(n => n.Name).ToArray(), field.Nullable, field.Optional, field.Detail);

    public static FieldSchema ToField(StoredField field)
    {
        var types = JsonTypes.None;
        foreach (var name in field.Types)
        {
            types |= Names.First(n => n.Name == name).Type;
        }
        return new FieldSchema(field.Path, types, field.Nullable, field.Optional, field.Detail);
    }

    public static string Serialize(IEnumerable<FieldSchema> fields) => JsonSerializer.Serialize(fields.Select(From), Json);

    public static IReadOnlyList<FieldSchema> Deserialize(string json) =>
        JsonSerializer.Deserialize<List<StoredField>>(json, Json)!.Select(ToField).ToArray();

    public static IReadOnlyList<StoredField> DeserializeStored(string json) => JsonSerializer.Deserialize<List<StoredField>>(json, Json)!;
}
