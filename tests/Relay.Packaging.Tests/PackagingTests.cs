using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Relay.Contracts;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.Packaging.Tests;

/// <summary>
/// The README's install path and docs/deployment.md's publish, run as printed (only the folder, the port and the key differ:
/// a test never talks to OpenRouter). One class, so the Release builds they make never run at the same time. A build has
/// no time limit (a native build on a busy machine takes what it takes); what the built programs do has a generous one.
/// </summary>
public sealed class PackagingTests
{
    /// <summary>How long a built program may take to answer or exit: the product's time, with a wide margin for a busy machine.</summary>
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";

    [Fact]
    public async Task The_published_edge_answers_when_started_from_another_directory()
    {
        using var _ = Timed("docs: dotnet publish src/Relay.Edge, run from elsewhere");
        var output = Directory.CreateTempSubdirectory("relay-edge-").FullName;
        var elsewhere = Directory.CreateTempSubdirectory("relay-cwd-").FullName;
        try
        {
            // docs/deployment.md: dotnet publish src/Relay.Edge -c Release -p:PublishAot=true -o /opt/relay-edge
            var publish = await RunAsync(Dotnet, ["publish", "src/Relay.Edge", "-c", "Release", "-p:PublishAot=true", "-o", output], RelayProcess.RepositoryRoot);
            Assert.DoesNotContain(": warning ", publish, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, "appsettings.json")));

            // The executable and its settings: no debug symbols, pdbs, XML docs or stray runtimeconfig of the simulator.
            var extras = Directory.GetFiles(output).Select(Path.GetFileName).Where(f => Path.GetExtension(f) is ".dbg" or ".pdb" or ".xml" || f!.EndsWith(".runtimeconfig.json", StringComparison.Ordinal));
            Assert.Empty(extras);

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
            await edge.WaitForStdoutAsync(s => s.Contains("Application started", StringComparison.Ordinal), Exit);
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
        using var _ = Timed("README: dotnet pack, dotnet tool install -g, export PATH, relay ask");
        var packages = Directory.CreateTempSubdirectory("relay-pack-").FullName;
        var home = Directory.CreateTempSubdirectory("relay-home-").FullName;
        try
        {
            // README, as printed, but for the folder and the home: dotnet pack src/Relay.Cli -o ./packages, then
            // dotnet tool install -g into a home of its own (not this machine's tools), with its own package cache, so the
            // package just packed is installed, never an older one of the same version.
            var pack = await RunAsync(Dotnet, ["pack", "src/Relay.Cli", "-o", packages], RelayProcess.RepositoryRoot);

            // Native AOT compiles Markdig, TextMateSharp, Spectre.Console, Tomlyn's generated context and the rest with no
            // trimming or AOT warning (IL2xxx, IL3xxx), nor any other.
            Assert.DoesNotContain(": warning ", pack, StringComparison.Ordinal);
            var user = new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["NUGET_PACKAGES"] = Path.Combine(home, ".nuget"),
                ["DOTNET_CLI_HOME"] = null,
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",

                // Nobody's global tools on PATH: the README's export is what must find relay.
                ["PATH"] = string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(d => !d.Contains(".dotnet/tools", StringComparison.Ordinal))),
            };
            await RunAsync(Dotnet, ["tool", "install", "-g", "Relay.Cli", "--add-source", packages], home, user);

            // Start-up: the package for this platform (native) is the one installed; the `any` one is there for others.
            var tools = Path.Combine(home, ".dotnet", "tools");
            Assert.Contains(Directory.GetFiles(packages), p => Path.GetFileName(p).StartsWith("Relay.Cli.any.", StringComparison.Ordinal));
            var installed = Directory.GetDirectories(Path.Combine(tools, ".store", "relay.cli"), "relay.cli.*", SearchOption.AllDirectories).Select(Path.GetFileName).Where(n => n != "relay.cli").ToList();
            Assert.NotEqual("relay.cli.any", Assert.Single(installed));
            var folder = Path.GetDirectoryName(File.ResolveLinkTarget(Path.Combine(tools, "relay"), returnFinalTarget: true)!.FullName)!;
            Assert.False(File.Exists(Path.Combine(folder, "relay.dll")), "the installed relay should be native, not an assembly run by dotnet");
            Assert.False(File.Exists(Path.Combine(folder, "relay.dbg")), "the native package should not carry its debug symbols");

            // The README's next lines as printed: the export puts relay on PATH, and it answers with no key.
            var block = DocBlock.Bash("README.md", "dotnet tool install -g Relay.Cli");
            var (code, stdout, stderr) = await DocBlock.RunAsync(block[block.IndexOf("export PATH=", StringComparison.Ordinal)..] + "command -v relay >&2\n", Exit, user);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("hi")]).Text + "\n", stdout);
            Assert.Contains("answers come from the built-in simulator", stderr, StringComparison.Ordinal);
            Assert.Contains(" out tokens", stderr, StringComparison.Ordinal);
            Assert.EndsWith(Path.Combine(tools, "relay") + "\n", stderr, StringComparison.Ordinal);

            // Code in an answer on a terminal is coloured by TextMate grammars, whose regex engine is a native library
            // the package carries beside relay (and the `any` package for every platform).
            Assert.True(File.Exists(Path.Combine(folder, "libonigwrap.so")), "the native package should carry libonigwrap.so");
            await using (var ask = RelayProcess.Start(["ask", "Show me some code", "--no-log"], user, terminal: true, executable: Path.Combine(tools, "relay")))
            {
                Assert.Equal(0, await ask.WaitForExitAsync(Exit));
                var drawn = ask.Stdout[ask.Stdout.LastIndexOf("```csharp", StringComparison.Ordinal)..];
                Assert.Contains("\u001b[3", drawn, StringComparison.Ordinal);
                Assert.Contains("│ 東京   │      7 │ 🎉 wide │", RelayProcess.Visible(ask.Stdout), StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(packages, recursive: true);
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Runs a command to its end (however long a native build takes) and returns its stdout; it must exit 0.</summary>
    private static async Task<string> RunAsync(string file, string[] args, string workingDirectory, Dictionary<string, string?>? environment = null)
    {
        await using var process = RelayProcess.Start(args, environment, workingDirectory: workingDirectory, executable: file);
        var code = await process.WaitForExitAsync(Timeout.InfiniteTimeSpan);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}\n{process.Stdout}\n{process.Stderr}");
        return process.Stdout;
    }

    /// <summary>Writes how long a step took to the test output when disposed (for the closing note).</summary>
    private static Stopwatched Timed(string name) => new(name, Stopwatch.GetTimestamp());

    private readonly record struct Stopwatched(string Name, long Start) : IDisposable
    {
        public void Dispose() => TestContext.Current.SendDiagnosticMessage($"{Name}: {Stopwatch.GetElapsedTime(Start).TotalSeconds:0.0} s");
    }
}
