using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// The README's install path and docs/deployment.md's commands, run as printed (only the folder, the port and the key differ:
/// a test never talks to OpenRouter). One class, so the Release builds they make never run at the same time.
/// </summary>
public sealed class DocumentedCommandTests
{
    private static readonly TimeSpan Build = TimeSpan.FromMinutes(4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";

    [Fact]
    public async Task The_published_edge_answers_when_started_from_another_directory()
    {
        using var _ = Scenario.Timed("docs: dotnet publish src/Relay.Edge, run from elsewhere");
        var output = Directory.CreateTempSubdirectory("relay-edge-").FullName;
        var elsewhere = Directory.CreateTempSubdirectory("relay-cwd-").FullName;
        try
        {
            // docs/deployment.md: dotnet publish src/Relay.Edge -c Release -p:PublishAot=true -o /opt/relay-edge
            await RunAsync(Dotnet, ["publish", "src/Relay.Edge", "-c", "Release", "-p:PublishAot=true", "-o", output], RelayProcess.RepositoryRoot);
            Assert.True(File.Exists(Path.Combine(output, "appsettings.json")));

            // A stray settings file where it is started must not be read; the published one beside the executable is.
            await File.WriteAllTextAsync(Path.Combine(elsewhere, "appsettings.json"), """{"Relay":{"MaxStreamBytes":1}}""", Ct);
            await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, Ct);
            var url = $"http://127.0.0.1:{ExternalServers.FreePort().ToString(CultureInfo.InvariantCulture)}";

            // ... OPENROUTER_API_KEY=sk-or-... RELAY_TOKENS=tok-1,tok-2 /opt/relay-edge/Relay.Edge --urls http://0.0.0.0:8080
            // It is native (Native AOT): no Relay.Edge.dll to run with dotnet.
            Assert.False(File.Exists(Path.Combine(output, "Relay.Edge.dll")));
            var environment = new Dictionary<string, string?>
            {
                ["OPENROUTER_API_KEY"] = "sk-or-test-not-a-key",
                ["OPENROUTER_BASE_URL"] = simulator.BaseUrl.ToString(),
                ["RELAY_TOKENS"] = "tok-1,tok-2",
            };
            await using var edge = RelayProcess.Start(["--urls", url], environment, workingDirectory: elsewhere, executable: Path.Combine(output, "Relay.Edge"));
            await edge.WaitForStdoutAsync(s => s.Contains("Application started", StringComparison.Ordinal), Scenario.Exit);
            await ExternalServers.WaitReadyAsync(new Uri(url + "/"), TimeSpan.FromSeconds(30), Ct);
            using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
            http.DefaultRequestHeaders.Authorization = new("Bearer", "tok-2");
            using var response = await http.PostAsJsonAsync("v1/chat", new { messages = new[] { new { role = "user", content = "Write a 30 word story" } } }, Ct);
            var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a 30 word story")]).Text, result.GetProperty("text").GetString());

            // The chat page is in the published edge too (embedded).
            using (var page = await http.GetAsync(new Uri(url + "/"), Ct))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
            }

            // Its own appsettings.json was read (log levels): no request logs at Information on stdout.
            Assert.DoesNotContain("Request starting", edge.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task The_packed_tool_installs_and_answers_with_no_key()
    {
        using var _ = Scenario.Timed("README: dotnet pack, dotnet tool install, relay ask");
        var packages = Directory.CreateTempSubdirectory("relay-pack-").FullName;
        var tools = Directory.CreateTempSubdirectory("relay-tools-").FullName;
        try
        {
            // README: dotnet pack src/Relay.Cli -o ./packages; dotnet tool install -g Relay.Cli --add-source ./packages
            // (-g would change this machine's tools: --tool-path installs the same package into a folder instead).
            await RunAsync(Dotnet, ["pack", "src/Relay.Cli", "-o", packages], RelayProcess.RepositoryRoot);
            // Its own package cache, so the package just packed is installed, never an older one of the same version.
            var cache = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(tools, ".nuget") };
            await RunAsync(Dotnet, ["tool", "install", "Relay.Cli", "--tool-path", tools, "--add-source", packages], tools, cache);

            // Start-up: the package for this platform (native) is the one installed; the `any` one is there for others.
            Assert.Contains(Directory.GetFiles(packages), p => Path.GetFileName(p).StartsWith("Relay.Cli.any.", StringComparison.Ordinal));
            var installed = Directory.GetDirectories(Path.Combine(tools, ".store", "relay.cli"), "relay.cli.*", SearchOption.AllDirectories).Select(Path.GetFileName).Where(n => n != "relay.cli").ToList();
            Assert.NotEqual("relay.cli.any", Assert.Single(installed));
            var folder = Path.GetDirectoryName(File.ResolveLinkTarget(Path.Combine(tools, "relay"), returnFinalTarget: true)!.FullName)!;
            Assert.False(File.Exists(Path.Combine(folder, "relay.dll")), "the installed relay should be native, not an assembly run by dotnet");
            Assert.False(File.Exists(Path.Combine(folder, "relay.dbg")), "the native package should not carry its debug symbols");

            await using var relay = RelayProcess.Start(["ask", "Write a 25 word story"], workingDirectory: tools, executable: Path.Combine(tools, "relay"));
            Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a 25 word story")]).Text + "\n", relay.Stdout);
            Assert.Contains("answers come from the built-in simulator", relay.Stderr, StringComparison.Ordinal);
            Assert.Contains("25 out tokens", relay.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(packages, recursive: true);
            Directory.Delete(tools, recursive: true);
        }
    }

    [Fact]
    public async Task The_Cloudflare_Worker_runs_locally_in_front_of_relay_serve_as_printed()
    {
        if (WorkerFront.Missing is { } reason)
        {
            Assert.True(!ExternalServers.Required, $"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
            Assert.Skip(reason);
        }

        using var _ = Scenario.Timed("docs: relay serve, wrangler dev in front, relay ask through the Worker");

        // docs/deployment.md, "Cloudflare Workers in front", as printed (npm ci is .ci/run's own step). Offline and
        // loopback only: no Request.cf download, and wrangler's update check asks a dead local port.
        await using var serve = RelayProcess.Start(["serve"]);
        await ExternalServers.WaitForPortAsync(8787, TimeSpan.FromSeconds(30), Ct);
        await ExternalServers.WaitReadyAsync(new Uri("http://127.0.0.1:8787/"), TimeSpan.FromSeconds(30), Ct);
        var offline = new Dictionary<string, string?> { ["CLOUDFLARE_CF_FETCH_ENABLED"] = "false", ["WRANGLER_SEND_METRICS"] = "false", ["npm_config_registry"] = "http://127.0.0.1:9/" };
        await using var wrangler = RelayProcess.Start(
            ["wrangler", "dev", "--port", "8790", "--var", "RELAY_ORIGINS:http://127.0.0.1:8787"], offline, workingDirectory: WorkerFront.Folder, executable: ExternalServers.Find("npx"));
        await ExternalServers.WaitForPortAsync(8790, TimeSpan.FromSeconds(60), Ct);
        await ExternalServers.WaitReadyAsync(new Uri("http://127.0.0.1:8790/"), TimeSpan.FromSeconds(60), Ct);
        await using var relay = RelayProcess.Start(["ask", "--edge", "http://127.0.0.1:8790", "Write a haiku"]);
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Write a haiku")]).Text + "\n", relay.Stdout);
    }

    [Fact]
    public async Task The_local_cluster_script_answers_and_resumes_a_cut_stream_on_another_instance()
    {
        if (ExternalServers.Missing("redis-server", "nginx") is { } reason)
        {
            Assert.True(!ExternalServers.Required, $"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
            Assert.Skip(reason);
        }

        using var _ = Scenario.Timed("docs: deploy/run-local-cluster.sh, ask through nginx, resume across instances");

        // docs/deployment.md, "Try it locally", as printed.
        await using var cluster = RelayProcess.Start([], workingDirectory: RelayProcess.RepositoryRoot, executable: Path.Combine(RelayProcess.RepositoryRoot, "deploy", "run-local-cluster.sh"));
        await cluster.WaitForStdoutAsync(s => s.Contains("cluster ready", StringComparison.Ordinal), Build);
        const string Prompt = "Write a 200 word story";
        await using (var relay = RelayProcess.Start(["ask", "--edge", "http://127.0.0.1:8100", Prompt]))
        {
            Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
            Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(Prompt)]).Text + "\n", relay.Stdout);
        }

        // The two curl commands: a POST cut after 0.5 s, then a resume after seq 3 that may land on any instance.
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8100/") };
        var body = """{"messages":[{"role":"user","content":"Write a 200 word story"}],"stream_id":"demo-0001"}""";
        using (var cut = new CancellationTokenSource(TimeSpan.FromSeconds(0.5)))
        {
            try
            {
                using var started = await http.PostAsync("v1/chat/stream", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), cut.Token);
                await started.Content.ReadAsStringAsync(cut.Token);
            }
            catch (OperationCanceledException)
            {
                // curl -m 0.5
            }
        }

        using var resume = new HttpRequestMessage(HttpMethod.Get, "v1/chat/stream/demo-0001");
        resume.Headers.Add("Last-Event-ID", "demo-0001:3");
        using var resumed = await http.SendAsync(resume, Ct);
        var events = await resumed.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("event: delta\ndata: ", events.Replace("retry: 250\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("id: demo-0001:4\n", events, StringComparison.Ordinal);
        Assert.DoesNotContain("id: demo-0001:3\n", events, StringComparison.Ordinal);
        Assert.Contains("event: done", events, StringComparison.Ordinal);
        Assert.StartsWith("edge-", resumed.Headers.GetValues("X-Relay-Instance").Single(), StringComparison.Ordinal);

        // The chat page comes through nginx too, with its policy.
        using var page = await http.GetAsync("/", Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        await cluster.SignalAsync("INT");
        var code = await cluster.WaitForExitAsync(Scenario.Exit);
        Assert.True(code is 0 or 130, $"the script exited {code}:\n{cluster.Stdout}\n{cluster.Stderr}");
        Assert.Contains("cluster stopped", cluster.Stdout, StringComparison.Ordinal);
    }

    private static async Task RunAsync(string file, string[] args, string workingDirectory, Dictionary<string, string?>? environment = null)
    {
        await using var process = RelayProcess.Start(args, environment, workingDirectory: workingDirectory, executable: file);
        var code = await process.WaitForExitAsync(Build);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}\n{process.Stdout}\n{process.Stderr}");
    }
}
