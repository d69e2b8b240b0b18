using System.Reflection;
using System.Text.Json.Serialization;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>
/// The services' names for the values of a generated enum (<c>field_added</c>, not <c>FieldAdded</c>): what a page shows,
/// and how a filter's text becomes the enum a generated client takes.
/// </summary>
public static class WireNames
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        typeof(TEnum).GetField(value.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? value.ToString();

    public static IReadOnlyList<string> All<TEnum>() where TEnum : struct, Enum => [.. Enum.GetValues<TEnum>().Select(Of)];

    /// <summary>The value named <paramref name="name"/>; null for no name (no filter) or one the service does not have.</summary>
    public static TEnum? Parse<TEnum>(string? name) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Where(value => Of(value) == name).Select(value => (TEnum?)value).FirstOrDefault();
}
