using System.Net;
using System.Text.Json;
using ConnectorHealth.Dashboard.Apis.Alerting;
using ConnectorHealth.Dashboard.Apis.Drift;
using ConnectorHealth.Dashboard.Apis.Metrics;
using ConnectorHealth.Dashboard.Apis.Runner;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>
/// The REST API behind the gateway: each service's client, generated at build time from its OpenAPI document
/// (Apis/*.json), and the gateway's own routes. <see cref="AskAsync{T}"/> is the one way a page calls them: it turns
/// every failure (a refusal, a gateway that does not answer) into an <see cref="Answer{T}"/> the page can show.
/// </summary>
public sealed partial class ServiceApis(
    RunnerClient runner, MetricsClient metrics, DriftClient drift, AlertingClient alerting, GatewayClient gateway, ILogger<ServiceApis> logger)
{
    public RunnerClient Runner => runner;

    public MetricsClient Metrics => metrics;

    public DriftClient Drift => drift;

    public AlertingClient Alerting => alerting;

    public GatewayClient Gateway => gateway;

    public async Task<Answer<T>> AskAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await call(cancellationToken) is { } value ? Answer<T>.Of(value) : Answer<T>.Failed("the gateway answered an empty body");
        }
        catch (ApiException refused) when (refused.StatusCode is >= 300)
        {
            return Refusal<T>(refused);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException or JsonException or TaskCanceledException or NotSupportedException)
        {
            LogUnavailable(logger, typeof(T).Name, ex.Message);
            return Answer<T>.Failed(ex is TaskCanceledException ? "the gateway did not answer in time" : ex.Message);
        }
    }

    /// <summary>An action whose answer has no body (204).</summary>
    public Task<Answer<Done>> AskAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        AskAsync(async token =>
        {
            await call(token);
            return Done.Value;
        }, cancellationToken);

    /// <summary>The first UTC day of the last <paramref name="days"/> days, today included.</summary>
    public static DateOnly FirstOfLastDays(int days) => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1 - days);

    public Task<Answer<AlertDetail>> AcknowledgeAlertAsync(long alertId, CancellationToken cancellationToken) =>
        AskAsync(token => alerting.AcknowledgeAlertAsync(alertId, new LifecycleRequest(), token), cancellationToken);

    public Task<Answer<AlertDetail>> ResolveAlertAsync(long alertId, CancellationToken cancellationToken) =>
        AskAsync(token => alerting.ResolveAlertAsync(alertId, new LifecycleRequest(), token), cancellationToken);

    public Task<Answer<AlertDetail>> JudgeAlertAsync(long alertId, string verdict, string by, string? note, CancellationToken cancellationToken) =>
        AskAsync(token => alerting.JudgeAlertAsync(alertId, new FeedbackRequest { Verdict = verdict, By = by, Note = note }, token), cancellationToken);

    public async Task<Answer<Silence>> AddSilenceAsync(SilenceRequest silence, CancellationToken cancellationToken)
    {
        // A refused silence is a validation problem: its errors say which field is wrong, which its title does not.
        var reply = await AskAsync(token => alerting.AddSilenceAsync(silence, token), cancellationToken);
        return reply.Value is not null || reply.Reasons.Count == 0 ? reply : Answer<Silence>.Failed($"{reply.Problem} {string.Join("; ", reply.Reasons)}");
    }

    public async Task<Answer<ContractLookup>> AskContractAsync(string connector, CancellationToken cancellationToken)
    {
        var reply = await AskAsync(token => drift.GetContractAsync(connector, token), cancellationToken);
        if (reply.Value is { } contract)
        {
            return Answer<ContractLookup>.Of(new ContractLookup(contract));
        }
        // The API's own 404 means "no contract"; a 404 without a problem document is a gateway without the route.
        return reply is { Status: HttpStatusCode.NotFound, FromApi: true }
            ? Answer<ContractLookup>.Of(new ContractLookup(null))
            : Answer<ContractLookup>.Failed(reply.Problem!);
    }

    // A problem document's detail (or title) says more than the status code alone; its errors or violations say why.
    private static Answer<T> Refusal<T>(ApiException refused) where T : class
    {
        var code = (HttpStatusCode)refused.StatusCode;
        var status = $"{refused.StatusCode} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(refused.StatusCode)}";
        var fromApi = refused.Headers.TryGetValue("Content-Type", out var types)
            && types.Any(type => type.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase));
        if (code is HttpStatusCode.NotFound && !fromApi)
        {
            return Answer<T>.Failed($"{status}: the route is not there yet") with { Status = code };
        }
        var problem = status;
        List<string> reasons = [];
        Dictionary<string, IReadOnlyList<string>> errors = [];
        try
        {
            using var document = JsonDocument.Parse(refused.Response ?? "");
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var text = new[] { "detail", "title" }
                    .Select(name => document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null)
                    .FirstOrDefault(said => said is not null);
                problem = text is null ? status : $"{status}: {text}";
                errors = Errors(document.RootElement);
                reasons = Reasons(document.RootElement, errors);
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status is all there is.
        }
        return Answer<T>.Failed(problem) with { Status = code, FromApi = fromApi, Reasons = reasons, Errors = errors };
    }

    private static Dictionary<string, IReadOnlyList<string>> Errors(JsonElement problem)
    {
        var errors = new Dictionary<string, IReadOnlyList<string>>();
        if (problem.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject().Where(field => field.Value.ValueKind == JsonValueKind.Array))
            {
                errors[field.Name] = [.. field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)];
            }
        }
        return errors;
    }

    private static List<string> Reasons(JsonElement problem, Dictionary<string, IReadOnlyList<string>> errors)
    {
        var reasons = errors.SelectMany(field => field.Value.Select(message => $"{field.Key}: {message}")).ToList();
        if (problem.TryGetProperty("violations", out var violations) && violations.ValueKind == JsonValueKind.Array)
        {
            reasons.AddRange(violations.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
        }
        return reasons;
    }

    [LoggerMessage(LogLevel.Warning, "The gateway did not answer for {Answer}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string answer, string reason);
}
