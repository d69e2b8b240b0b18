using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ConnectorHealth.Runner.Reports;

/// <summary>
/// Reads timestamps only as ISO-8601 with an explicit offset (<c>Z</c> or <c>±hh:mm</c>). Without one, .NET would take
/// the server's local time zone, and a report's times would depend on where the runner happens to run.
/// </summary>
public sealed partial class OffsetTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("Expected a timestamp string: ISO-8601 with an offset, e.g. 2026-03-01T12:00:00Z.");
        }
        var text = reader.GetString()!;
        if (!IsoWithOffset().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            var shown = text.Length > 40 ? text[..40] + "…" : text;
            throw new JsonException($"'{shown}' is not an ISO-8601 timestamp with an offset (e.g. 2026-03-01T12:00:00Z or 2026-03-01T13:00:00+01:00).");
        }
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoWithOffset();
}
