using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectorHealth.Drift;

/// <summary>
/// One JSON shape for the API and the JSON the service stores: camelCase members, enums as snake_case names
/// (<c>field_added</c>, <c>new_version</c>, <c>backward</c>).
/// </summary>
public static class DriftJson
{
    public static readonly JsonNamingPolicy EnumNaming = JsonNamingPolicy.SnakeCaseLower;

    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(EnumNaming, allowIntegerValues: false));
        return options;
    }

    /// <summary>The stored and displayed name of an enum value: <c>TypeWidened</c> → <c>type_widened</c>.</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => EnumNaming.ConvertName(value.ToString());

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static string Names<TEnum>() where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(Name));
}
