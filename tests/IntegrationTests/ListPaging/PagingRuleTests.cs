using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ConnectorHealth.IntegrationTests.ListPaging;

/// <summary>
/// Every cursor-paged list route of every service, as its real Program serves it (no database or broker: a bad limit or
/// cursor is refused before either is asked), answers a bad limit and a bad cursor with the same validation problem,
/// and documents the same default and maximum.
/// </summary>
public sealed class PagingRuleTests
{
    public static TheoryData<string, string> ListRoutes => new()
    {
        { "metrics", "/api/runs" },
        { "alerting", "/api/alerts" },
        { "drift", "/api/drift-events" },
        { "drift", "/api/quarantine" },
    };

    [Theory]
    [MemberData(nameof(ListRoutes))]
    public async Task ABadLimitOrCursorGetsTheSameProblemOnEveryListRoute(string service, string route)
    {
        await using var factory = Factory(service);
        using var client = factory.CreateClient();

        foreach (var limit in new[] { "0", $"{Paging.MaxLimit + 1}", "ten", "-1" })
        {
            Assert.Equal(Paging.LimitError, await SingleErrorAsync(client, $"{route}?limit={limit}", "limit"));
        }
        Assert.Equal(Paging.CursorError, await SingleErrorAsync(client, $"{route}?cursor=not-a-cursor", "cursor"));
        var tooLong = new string('A', Paging.CursorMaxLength + 1);
        Assert.Equal(Paging.CursorError, await SingleErrorAsync(client, $"{route}?cursor={tooLong}", "cursor"));
    }

    [Theory]
    [MemberData(nameof(ListRoutes))]
    public async Task EveryListRouteDocumentsTheSameDefaultAndMaximum(string service, string route)
    {
        await using var factory = Factory(service);
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        // A group's "/" route is documented with or without its trailing slash.
        var paths = document.GetProperty("paths");
        var operation = (paths.TryGetProperty(route, out var path) ? path : paths.GetProperty(route + "/")).GetProperty("get");
        Assert.Contains(Paging.Description, operation.GetProperty("description").GetString());
        var limit = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "limit");
        Assert.Contains($"{Paging.MaxLimit}", limit.GetProperty("schema").ToString());
    }

    [Fact]
    public async Task DeadLetterListsTakeTheSameLimit()
    {
        await using var factory = Factory("metrics");
        using var client = factory.CreateClient();

        Assert.Equal(Paging.LimitError, await SingleErrorAsync(client, "/api/system/metrics/dead-letters?limit=0", "limit"));
        Assert.Equal(Paging.LimitError, await SingleErrorAsync(client, $"/api/system/metrics/dead-letters?limit={Paging.MaxLimit + 1}", "limit"));
    }

    private static async Task<string> SingleErrorAsync(HttpClient client, string url, string parameter)
    {
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.Equal([parameter], errors.EnumerateObject().Select(e => e.Name));
        return Assert.Single(errors.GetProperty(parameter).EnumerateArray()).GetString()!;
    }

    private static IAsyncDisposableFactory Factory(string service) => service switch
    {
        "metrics" => new ServiceFactory<ConnectorHealth.Metrics.MetricsOptions>(),
        "alerting" => new ServiceFactory<ConnectorHealth.Alerting.AlertingOptions>(),
        "drift" => new ServiceFactory<ConnectorHealth.Drift.DriftOptions>(),
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    private interface IAsyncDisposableFactory : IAsyncDisposable
    {
        HttpClient CreateClient();
    }

    /// <summary>The service as its Program builds it, with connection strings that point nowhere and no background work.</summary>
    private sealed class ServiceFactory<TServiceType> : WebApplicationFactory<TServiceType>, IAsyncDisposableFactory where TServiceType : class
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:connectorhealth", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none");
            builder.UseSetting("ConnectionStrings:messaging", "amqp://none:none@127.0.0.1:1/");
            builder.ConfigureTestServices(services =>
            {
                var background = services
                    .Where(d => d.ServiceType == typeof(IHostedService)
                        && d.ImplementationType?.Namespace?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) != true)
                    .ToList();
                background.ForEach(d => services.Remove(d));
            });
        }
    }
}
