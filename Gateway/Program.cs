using ConnectorHealth.Gateway.Apis;
using ConnectorHealth.Gateway.Routing;
using ConnectorHealth.Gateway.Security;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Scalar.AspNetCore;
using Yarp.ReverseProxy.Transforms;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSystemOverviewApi();
// One honest try: a method the gateway refuses is answered with what the service says now.
#pragma warning disable EXTEXP0001 // Experimental, but the way to opt one client out of the defaults.
builder.Services.AddHttpClient(UnservedMethods.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
builder.Services.AddOptions<GatewayKeyOptions>().BindConfiguration(GatewayKeyOptions.Section);
builder.Services.AddAuthentication(ApiKeyHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
builder.Services.AddAuthorization(options => options.AddPolicy(ApiRoles.Policy, policy => policy
    .AddAuthenticationSchemes(ApiKeyHandler.SchemeName)
    .RequireAuthenticatedUser()
    .AddRequirements(new ApiAccessRequirement())));
builder.Services.AddGatewayRateLimits(builder.Configuration);
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    // The key stays at the gateway: services behind it never see it (nor log or trace it).
    .AddTransforms(context => context.AddRequestHeaderRemove(ApiKeyHeader.Name).AddRequestHeaderRemove(Microsoft.Net.Http.Headers.HeaderNames.Authorization))
    .AddServiceDiscoveryDestinationResolver();

var app = builder.Build();

// First: it routes the request (HEAD as GET), and authentication, rate limits and authorization need the route.
app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseMiddleware<UnservedMethods>();

app.MapSystemOverviewApi();
app.MapAccessApi();
// One API reference for every service, each document fetched through the gateway (routes /openapi/{service}.json).
app.MapScalarApiReference("/docs", options =>
{
    options.WithTitle("ConnectorHealth API");
    foreach (var service in SystemOverviewApi.Services)
    {
        options.AddDocument(service, $"{char.ToUpperInvariant(service[0])}{service[1..]}", $"/openapi/{service}.json", isDefault: service == ResourceNames.Runner);
    }
    options.AddPreferredSecuritySchemes(ApiKeyHeader.OpenApiScheme);
});
app.MapReverseProxy();

app.Run();
