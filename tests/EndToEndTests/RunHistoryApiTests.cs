using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.EndToEndTests;

/// <summary>The run history (the metrics service's REST API) as the gateway serves it, and the gateway's own health.</summary>
[Collection(SystemCollection.Name)]
public sealed class RunHistoryApiTests(ConnectorHealthApp system)
{
    [Fact]
    public async Task BadRunQueriesGetProblemDetailsNamingEachParameter()
    {
        var response = await system.Gateway.GetAsync("/api/runs?status=exploded&limit=100000&cursor=garbage");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("status", out _));
        Assert.True(errors.TryGetProperty("limit", out _));
        Assert.True(errors.TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task AnUnknownRunIsNotFound()
    {
        var response = await system.Gateway.GetAsync($"/api/runs/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheGatewayServesHealth()
    {
        var response = await system.Gateway.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
