using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// The shared HTTP input rules (ServiceDefaults) on the real Alerting service: a misspelt member, a comma list for an
/// enum, a charset other than UTF-8 and a repeated query parameter are refused and change nothing; the valid spellings
/// of a media type and times with any offset are taken.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class StrictHttpInputTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private ServiceHost<AlertingOptions> _service = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseConnectionStringAsync("alerting_strict_http");
        _service = new ServiceHost<AlertingOptions>(database, rabbit.Uri);
        _client = _service.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
    }

    [Fact]
    public async Task AMisspeltThresholdIsRefusedByNameAndLeavesTheOverrideAsItWas()
    {
        var connector = $"strict_{Guid.NewGuid():N}"[..20];
        using (var set = await _client.PutAsJsonAsync($"/api/rules/{connector}", new { consecutiveFailures = 7 }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using var misspelt = await _client.PutAsync($"/api/rules/{connector}", Json("""{"consecutiveFailur": 5}"""));

        await AssertNamesAsync(misspelt, HttpStatusCode.BadRequest, "consecutiveFailur");
        var now = await _client.GetFromJsonAsync<JsonElement>($"/api/rules/{connector}");
        Assert.Equal(7, now.GetProperty("fromApi").GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task ARedriveBodyWithAnUnknownMemberIsRefusedByName()
    {
        using var response = await _client.PostAsync($"/api/system/{ResourceNames.Alerting}/dead-letters/redrive", Json("""{"idz": ["x"]}"""));

        await AssertNamesAsync(response, HttpStatusCode.BadRequest, "idz");
    }

    [Theory]
    [InlineData("info, warning")]
    [InlineData("Info")]
    [InlineData("1")]
    public async Task ASilenceSeverityMustBeOneExactName(string severity)
    {
        var body = JsonSerializer.Serialize(new { severity, endsAt = DateTimeOffset.UtcNow.AddHours(1), author = "t", comment = "c" });

        using var response = await _client.PostAsync("/api/silences", Json(body));

        await AssertNamesAsync(response, HttpStatusCode.BadRequest, "severity");
    }

    [Fact]
    public async Task ASilenceEndingAtATimeWithANonUtcOffsetIsStoredAsThatInstantInUtc()
    {
        var endsAt = DateTimeOffset.UtcNow.AddHours(3).ToOffset(TimeSpan.FromHours(5.5));
        var body = JsonSerializer.Serialize(new { rule = "freshness", endsAt = endsAt.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"), author = "t", comment = "c" });

        using var response = await _client.PostAsync("/api/silences", Json(body));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var silence = await response.Content.ReadFromJsonAsync<JsonElement>();
        var stored = silence.GetProperty("endsAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, stored.Offset);
        Assert.Equal(endsAt.ToUnixTimeMilliseconds(), stored.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json;Charset=utf-8")]
    [InlineData("Application/JSON")]
    public async Task EveryWayRfc9110AllowsToSpellUtf8JsonIsRead(string contentType)
    {
        using var response = await PutRulesAsync(contentType, Encoding.UTF8);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/json; charset=\"utf-16\"")]
    [InlineData("application/json; charset=no-such-charset")]
    [InlineData("text/plain")]
    public async Task ABodyThatIsNotUtf8JsonIsUnsupportedMediaType(string contentType)
    {
        using var response = await PutRulesAsync(contentType, contentType.Contains("utf-16") ? Encoding.Unicode : Encoding.Latin1);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/alerts?limit=5&limit=6", "limit")]
    [InlineData("/api/alerts?state=firing&STATE=resolved", "state")]
    [InlineData($"/api/system/{ResourceNames.Alerting}/dead-letters?limit=1&limit=1", "limit")]
    public async Task AQueryParameterGivenTwiceIsRefusedByName(string target, string parameter)
    {
        using var response = await _client.GetAsync(target);

        await AssertNamesAsync(response, HttpStatusCode.BadRequest, parameter);
    }

    [Fact]
    public async Task HeadIsAnsweredWhereGetIsAndA405AllowsBoth()
    {
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/alerts"));
        using var patch = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/api/alerts"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, patch.StatusCode);
        Assert.Equal(["GET", "HEAD"], patch.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    private Task<HttpResponseMessage> PutRulesAsync(string contentType, Encoding encoding)
    {
        var content = new ByteArrayContent(encoding.GetBytes("""{"consecutiveFailures": 4}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return _client.PutAsync($"/api/rules/strict_{Guid.NewGuid():N}"[..30], content);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static async Task AssertNamesAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        using var problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
