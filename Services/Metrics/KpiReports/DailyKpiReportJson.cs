using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ConnectorHealth.Metrics.Responses;
using Microsoft.AspNetCore.Http.Metadata;

namespace ConnectorHealth.Metrics.KpiReports;

// A 200 answer with a DailyKpiReport written from days whose items are already serialised; declared as
// a DailyKpiReport in the OpenAPI document, like Ok<DailyKpiReport> would be.
public sealed class DailyKpiReportJson(DateOnly from, DateOnly to, IReadOnlyList<DailyKpiDay> days)
    : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private static readonly JsonEncodedText FromName = Name(nameof(DailyKpiReport.From));
    private static readonly JsonEncodedText ToName = Name(nameof(DailyKpiReport.To));
    private static readonly JsonEncodedText ItemsName = Name(nameof(DailyKpiReport.Items));

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => "application/json; charset=utf-8";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        await using var json = new Utf8JsonWriter(response.BodyWriter);
        json.WriteStartObject();
        json.WriteString(FromName, from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteString(ToName, to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteStartArray(ItemsName);
        foreach (var day in days)
        {
            foreach (var item in day.Items)
            {
                // Serialised by MetricsJsonContext: valid JSON by construction.
                json.WriteRawValue(item, skipInputValidation: true);
            }
            // A month is a few megabytes: hand each day to the response instead of buffering them all.
            await json.FlushAsync(httpContext.RequestAborted);
            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(DailyKpiReport), ["application/json"]));

    private static JsonEncodedText Name(string property) => JsonEncodedText.Encode(JsonNamingPolicy.CamelCase.ConvertName(property));
}
