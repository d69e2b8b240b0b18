using System.Text.Json;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift;

/// <summary>
/// One JSON shape for the API and the JSON the service stores: camelCase members, enums by their
/// <see cref="EnumNames"/> (<c>field_added</c>, <c>new_version</c>, <c>backward</c>).
/// </summary>
public static class DriftJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new StrictEnumConverterFactory());
        return options;
    }
}
