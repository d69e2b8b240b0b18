using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using HealthChecks.UI.Client;
using HealthChecks.UI.Core;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Reads a service's <c>/health</c> answer, written by the HealthChecks UI writer (<see cref="UIResponseWriter"/>), back
/// into its <see cref="UIHealthReport"/>: the overall status and each check's status and description.
/// </summary>
public static class HealthReportJson
{
    /// <summary>The writer's spelling: camelCase members, statuses by name.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The report in <paramref name="content"/>; null when the answer is not JSON (a proxy's error page).</summary>
    public static async Task<UIHealthReport?> ReadAsync(HttpContent content, CancellationToken cancellationToken = default) =>
        content.Headers.ContentType?.MediaType == "application/json"
            ? await content.ReadFromJsonAsync<UIHealthReport>(Options, cancellationToken)
            : null;
}
