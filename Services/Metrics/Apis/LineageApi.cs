using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Metrics.Apis;

// The lineage graph OpenLineage runs show: which jobs read and write which datasets, around one job or one dataset.
public static class LineageApi
{
    public static IEndpointRouteBuilder MapLineageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/lineage").WithTags("Lineage");
        api.MapGet("/{connector}", AroundJob).WithName("JobLineage")
            .WithSummary("A job's upstream and downstream jobs and datasets, each job with its state on the status board")
            .WithDescription($"Upstream: the datasets the job reads and the jobs that write them; downstream: the datasets it writes and the jobs "
                + $"that read them. hops 1–{LineageGraphReader.MaxHops} (default 1): how many job steps out. Edges are what runs last showed, with when.");
        api.MapGet("/datasets/{key}", AroundDataset).WithName("DatasetLineage")
            .WithSummary("A dataset's writer jobs (upstream) and reader jobs (downstream), and beyond them with hops=2")
            .WithDescription($"key: the dataset's key (namespace~name). hops 1–{LineageGraphReader.MaxHops} (default 1).");
        return app;
    }

    public static async Task<Results<Ok<LineageGraph>, NotFound, ValidationProblem>> AroundJob(
        string connector,
        LineageGraphReader reader,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(int)), Range(1, LineageGraphReader.MaxHops)] string? hops = null)
    {
        var query = new QueryParameters();
        var name = query.Connector("connector", connector);
        var steps = query.Int("hops", hops, 1, LineageGraphReader.MaxHops) ?? 1;
        if (query.HasErrors || name is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return await reader.AroundJobAsync(name, steps, cancellationToken) is { } graph ? TypedResults.Ok(graph) : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<LineageGraph>, NotFound, ValidationProblem>> AroundDataset(
        string key,
        LineageGraphReader reader,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(int)), Range(1, LineageGraphReader.MaxHops)] string? hops = null)
    {
        var query = new QueryParameters();
        if (!LineageNames.IsDatasetKey(key))
        {
            query.Fail("key", "key must be a dataset key (namespace~name).");
        }
        var steps = query.Int("hops", hops, 1, LineageGraphReader.MaxHops) ?? 1;
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return await reader.AroundDatasetAsync(key, steps, cancellationToken) is { } graph ? TypedResults.Ok(graph) : TypedResults.NotFound();
    }
}
