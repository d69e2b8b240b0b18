using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.Dashboard;

/// <summary>
/// What the gateway answered: the value, or why there is none (a page shows that in place of its section). A refusal
/// keeps its status, whether the service itself said it (a problem document, not a gateway without the route), and its
/// reasons: a validation problem's errors ("schema: …") or a refused replay's violations ("/amount: …").
/// </summary>
public sealed record Answer<T>(T? Value, string? Problem) where T : class
{
    public HttpStatusCode? Status { get; init; }

    public bool FromApi { get; init; }

    public IReadOnlyList<string> Reasons { get; init; } = [];

    public static Answer<T> Of(T value) => new(value, null);

    public static Answer<T> Failed(string problem) => new(null, problem);
}

/// <summary>An action's answer that carries no body.</summary>
public sealed record Done
{
    public static readonly Done Value = new();
}

/// <summary>Typed client for the REST API behind the gateway: the one place the web UI calls it.</summary>
public sealed partial class GatewayClient(HttpClient http, ILogger<GatewayClient> logger)
{
    public Task<Answer<AccessInfo>> GetAccessAsync(CancellationToken cancellationToken) =>
        GetAsync<AccessInfo>("/api/access", cancellationToken);

    public Task<Answer<StatusBoard>> GetStatusBoardAsync(CancellationToken cancellationToken) =>
        GetAsync<StatusBoard>("/api/kpis/connectors", cancellationToken);

    public Task<Answer<SystemOverview>> GetSystemAsync(CancellationToken cancellationToken) =>
        GetAsync<SystemOverview>("/api/system", cancellationToken);

    public Task<Answer<DailyKpiReport>> GetDailyKpisAsync(string? connector, int days, CancellationToken cancellationToken)
    {
        var from = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1 - days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return GetAsync<DailyKpiReport>(Query("/api/kpis/daily", ("connector", connector), ("from", from)), cancellationToken);
    }

    public Task<Answer<RunPage>> GetRunsAsync(RunFilter filter, int limit, string? cursor, CancellationToken cancellationToken) =>
        GetAsync<RunPage>(Query("/api/runs",
            ("connector", filter.Connector), ("status", filter.Status), ("source", filter.Source),
            ("from", filter.From?.ToString("O", CultureInfo.InvariantCulture)), ("to", filter.To?.ToString("O", CultureInfo.InvariantCulture)),
            ("limit", limit.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)), cancellationToken);

    public Task<Answer<RunDetail>> GetRunAsync(Guid runId, CancellationToken cancellationToken) =>
        GetAsync<RunDetail>($"/api/runs/{runId}", cancellationToken);

    public Task<Answer<RunSchema>> GetRunSchemaAsync(string connector, Guid runId, CancellationToken cancellationToken) =>
        GetAsync<RunSchema>($"/api/schemas/{Uri.EscapeDataString(connector)}/runs/{runId}", cancellationToken);

    public Task<Answer<ConnectorSchema>> GetSchemaAsync(string connector, CancellationToken cancellationToken) =>
        GetAsync<ConnectorSchema>($"/api/schemas/{Uri.EscapeDataString(connector)}", cancellationToken);

    public Task<Answer<DriftEventPage>> GetDriftEventsAsync(string connector, int limit, CancellationToken cancellationToken) =>
        GetAsync<DriftEventPage>(Query("/api/drift-events", ("connector", connector), ("limit", limit.ToString(CultureInfo.InvariantCulture))),
            cancellationToken);

    public Task<Answer<RunStarted>> RunNowAsync(string connector, CancellationToken cancellationToken) =>
        PostAsync<RunStarted>($"/api/connectors/{Uri.EscapeDataString(connector)}/runs", cancellationToken);

    internal Task<Answer<T>> GetAsync<T>(string url, CancellationToken cancellationToken) where T : class =>
        SendAsync<T>(HttpMethod.Get, url, null, cancellationToken);

    internal Task<Answer<T>> PostAsync<T>(string url, CancellationToken cancellationToken) where T : class =>
        SendAsync<T>(HttpMethod.Post, url, null, cancellationToken);

    /// <summary>
    /// Sends a request (with <paramref name="body"/> as JSON when given) and reads the answer as <typeparamref name="T"/>;
    /// <see cref="Done"/> for an answer without a body (204).
    /// </summary>
    internal async Task<Answer<T>> SendAsync<T>(HttpMethod method, string url, object? body, CancellationToken cancellationToken) where T : class
    {
        try
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body, body.GetType()) };
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await RefusalAsync<T>(response, cancellationToken);
            }
            if (typeof(T) == typeof(Done))
            {
                return Answer<T>.Of((T)(object)Done.Value);
            }
            return await response.Content.ReadFromJsonAsync<T>(cancellationToken) is { } value
                ? Answer<T>.Of(value)
                : Answer<T>.Failed("the gateway answered an empty body");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException or NotSupportedException)
        {
            LogUnavailable(logger, url, ex.Message);
            return Answer<T>.Failed(ex is TaskCanceledException ? "the gateway did not answer in time" : ex.Message);
        }
    }

    // A problem document's detail (or title) says more than the status code alone; its errors or violations say why.
    private static async Task<Answer<T>> RefusalAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken) where T : class
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var fromApi = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        if (response.StatusCode is HttpStatusCode.NotFound && !fromApi)
        {
            return Answer<T>.Failed($"{status}: the route is not there yet") with { Status = response.StatusCode };
        }
        var problem = status;
        List<string> reasons = [];
        try
        {
            var document = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (document.ValueKind == JsonValueKind.Object)
            {
                var text = new[] { "detail", "title" }
                    .Select(name => document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null)
                    .FirstOrDefault(t => t is not null);
                problem = text is null ? status : $"{status}: {text}";
                reasons = Reasons(document);
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not a problem document: the status is all there is.
        }
        return Answer<T>.Failed(problem) with { Status = response.StatusCode, FromApi = fromApi, Reasons = reasons };
    }

    private static List<string> Reasons(JsonElement problem)
    {
        var reasons = new List<string>();
        if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Array))
            {
                reasons.AddRange(field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => $"{field.Name}: {m.GetString()}"));
            }
        }
        if (problem.TryGetProperty("violations", out var violations) && violations.ValueKind == JsonValueKind.Array)
        {
            reasons.AddRange(violations.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
        }
        return reasons;
    }

    internal static string Query(string path, params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? path : $"{path}?{string.Join('&', present)}";
    }

    [LoggerMessage(LogLevel.Warning, "The gateway did not answer {Url}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string url, string reason);
}
