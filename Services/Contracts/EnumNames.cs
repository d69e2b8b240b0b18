using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectorHealth.Contracts;

/// <summary>
/// The one spelling of every enum the REST APIs, the stored rows and the web UI use: snake_case
/// (<c>rate_limited</c>, <c>timed_out</c>, <c>field_added</c>). Parsing takes exactly these names: no other case, no
/// comma list, no number, no surrounding space.
/// </summary>
public static class EnumNames
{
    public static readonly JsonNamingPolicy Naming = JsonNamingPolicy.SnakeCaseLower;

    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => Names<TEnum>.ByValue.TryGetValue(value, out var name)
        ? name
        : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a defined {typeof(TEnum).Name}.");

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        if (text is not null && Names<TEnum>.ByName.TryGetValue(text, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>The accepted names, for messages: <c>succeeded, failed</c>.</summary>
    public static string List<TEnum>() where TEnum : struct, Enum => string.Join(", ", Names<TEnum>.All);

    public static IReadOnlyList<string> All<TEnum>() where TEnum : struct, Enum => Names<TEnum>.All;

    private static class Names<TEnum> where TEnum : struct, Enum
    {
        public static readonly string[] All = [.. Enum.GetValues<TEnum>().Select(v => Naming.ConvertName(v.ToString()))];
        public static readonly FrozenDictionary<TEnum, string> ByValue =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, v => Naming.ConvertName(v.ToString()));
        public static readonly FrozenDictionary<string, TEnum> ByName =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => Naming.ConvertName(v.ToString()), v => v, StringComparer.Ordinal);
    }
}
