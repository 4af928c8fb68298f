using Relay.Simulator;

// Settings come from the command line and the environment (Simulator:* keys), and from an appsettings.json
// beside the program, never from the working directory. Defaults are in SimulatorOptions.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None); // start-up failures are reported below, in one line
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8788");
}

builder.Services.AddRelaySimulator(builder.Configuration);
try
{
    var app = builder.Build();
    app.MapRelaySimulator();
    await app.StartAsync();
    Console.Error.WriteLine($"Relay simulator: OpenRouter-compatible API at {string.Join(", ", app.Urls)}/api/v1 (knobs: X-Relay-Sim header, see the simulator's README.md)");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception ex) when (StartupError.Describe(ex) is { } message)
{
    Console.Error.WriteLine($"relay-simulator: {message}");
    return 1;
}
