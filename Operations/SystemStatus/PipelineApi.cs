using System.Globalization;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ConnectorHealth.Operations.SystemStatus;

/// <summary>One service's pipeline over HTTP: its state, and its dead letters to list and re-drive.</summary>
public static class PipelineApi
{
    /// <summary>How long a client should wait before asking again when the broker cannot be reached.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// Maps the service's pipeline state and dead letters under <c>/api/system/{serviceName}</c>: <c>GET /</c> (status,
    /// queues, dead-letter stores, publish backlog), <c>GET /dead-letters?limit=</c> and <c>POST /dead-letters/redrive</c>
    /// (body <c>{"ids": [...]}</c>, optional: all). Needs <c>AddOperations</c>, which registers what these read.
    /// </summary>
    public static IEndpointRouteBuilder MapPipelineApi(this IEndpointRouteBuilder app, string serviceName)
    {
        var api = app.MapGroup($"/api/system/{serviceName}").WithTags("System");
        api.MapGet("/", GetState).WithName($"{serviceName}-system-state")
            .WithSummary("The service's pipeline: status with reasons, queues (waiting, in flight and the oldest in flight's age, consumers, lag), dead-letter stores, publish backlog")
            .WithDescription("Null numbers are unknown: the broker or a store cannot be reached.");
        api.MapGet("/dead-letters", ListDeadLetters).WithName($"{serviceName}-dead-letters")
            .WithSummary("Dead letters of every store of the service, newest failure first, without removing them")
            .WithDescription($"limit 1–{Paging.MaxLimit} (default {Paging.DefaultLimit}) per store and in all.");
        api.MapPost("/dead-letters/redrive", Redrive).WithName($"{serviceName}-redrive-dead-letters")
            .WithSummary("Re-drives dead letters to where they failed: those named by ids, or all when the body is empty")
            .WithDescription("Body (optional): {\"ids\": [\"...\"], \"store\": \"<store name>\"}. Answers how many were re-driven.");
        return app;
    }

    public static async Task<Ok<ServiceState>> GetState(SystemStateReader reader, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reader.ReadAsync(cancellationToken));

    public static async Task<Results<Ok<DeadLetterList>, ValidationProblem, ProblemHttpResult>> ListDeadLetters(
        DeadLetterStores stores, HttpResponse response, CancellationToken cancellationToken, string? limit = null)
    {
        var query = new QueryParameters();
        var take = query.PageSize(limit);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var items = new List<DeadLetter>();
        try
        {
            foreach (var store in stores.All)
            {
                items.AddRange(await store.ListAsync(take, cancellationToken));
            }
        }
        catch (BrokerUnavailableException ex)
        {
            return Unavailable(response, ex);
        }
        return TypedResults.Ok(new DeadLetterList([.. items.OrderByDescending(d => d.FailedAt ?? DateTimeOffset.MinValue).Take(take)]));
    }

    public static async Task<Results<Ok<RedriveResult>, ValidationProblem, ProblemHttpResult>> Redrive(
        DeadLetterStores stores, HttpResponse response, CancellationToken cancellationToken, RedriveRequest? request = null)
    {
        var all = stores.All;
        var chosen = request?.Store is { } name ? all.Where(s => s.Name == name).ToList() : all;
        if (request?.Store is not null && chosen.Count == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["store"] = [$"No dead-letter store '{request.Store}'. Stores: {string.Join(", ", all.Select(s => s.Name))}."],
            });
        }
        if (request?.Ids is { } ids && ids.Any(string.IsNullOrWhiteSpace))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ids"] = ["ids must not hold empty values."] });
        }

        var redriven = 0;
        try
        {
            foreach (var store in chosen)
            {
                redriven += await store.RedriveAsync(request?.Ids, cancellationToken);
            }
        }
        catch (BrokerUnavailableException ex)
        {
            // Some stores may have been re-driven already; asking again re-drives the rest (moves are idempotent per message).
            return Unavailable(response, ex);
        }
        return TypedResults.Ok(new RedriveResult(redriven));
    }

    private static ProblemHttpResult Unavailable(HttpResponse response, BrokerUnavailableException ex)
    {
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "The message broker cannot be reached", detail: ex.Message);
    }
}
