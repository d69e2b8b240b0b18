using ConnectorHealth.Gateway.Apis;
using ConnectorHealth.Gateway.Security;
using Microsoft.AspNetCore.Authentication;
using Scalar.AspNetCore;
using Yarp.ReverseProxy.Transforms;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSystemApi();
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
    .AddTransforms(context => context.AddRequestHeaderRemove(ApiKeyHandler.Header))
    .AddServiceDiscoveryDestinationResolver();

var app = builder.Build();

app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapSystemApi();
app.MapAccessApi();
// One API reference for every service, each document fetched through the gateway (routes /openapi/{service}.json).
app.MapScalarApiReference("/docs", options =>
{
    options.WithTitle("ConnectorHealth API");
    foreach (var service in ConnectorHealth.Gateway.Apis.SystemApi.Services)
    {
        options.AddDocument(service, $"{char.ToUpperInvariant(service[0])}{service[1..]}", $"/openapi/{service}.json", isDefault: service == ConnectorHealth.ServiceDefaults.ResourceNames.Runner);
    }
    options.AddPreferredSecuritySchemes("ApiKey");
});
app.MapReverseProxy();

app.Run();
