using Relay.Contracts;
using Relay.Simulator;

namespace Relay.Cli.Tests;

/// <summary><c>relay ask -a FILE</c>: text inlined under its name, images as image parts, bad files a one-line exit 2.</summary>
public sealed class AttachmentTests(CliFixture cli) : IClassFixture<CliFixture>, IDisposable
{
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("relay-attach-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task Text_files_go_after_the_prompt_under_their_names_fenced_past_their_own_backticks()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=12";
        var notes = File("notes.md", "# Notes\nuse ```code``` here\n");
        var todo = File("todo.txt", "buy milk");
        var run = await CliRun.RunAsync(Args("ask", "Summarize these", "-a", notes, "--attach", todo, "-q"));

        Assert.Equal(0, run.ExitCode);
        var sent = $"Summarize these\n\n{notes}:\n````\n# Notes\nuse ```code``` here\n````\n\n{todo}:\n```\nbuy milk\n```";
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(sent)], tokens: 12).Text + "\n", run.Out);
    }

    [Fact]
    public async Task An_image_goes_as_an_image_part_and_a_model_that_takes_none_says_so_as_its_error()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=12";
        var picture = File("picture.png", Png);
        var run = await CliRun.RunAsync(Args("ask", "What is in this picture?", "-a", picture, "-q"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("What is in this picture?")], tokens: 12).Text + "\n", run.Out);

        var refused = await CliRun.RunAsync(Args("ask", "What is in this picture?", "-a", picture, "-m", "deepseek/deepseek-r1"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Out);
        Assert.Contains("No endpoints found that support image input", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_unreadable_binary_or_too_large_file_is_one_line_and_exit_2_before_anything_is_sent()
    {
        var before = cli.Servers.Simulator.GetStats().Requests;
        var binary = File("data.bin", [0x00, 0x01, 0xFE, 0xFF]);
        var large = File("large.txt", new string('x', Attachments.MaxSentBytes + 1));
        var folder = _folder.CreateSubdirectory("folder").FullName;
        var pictures = Enumerable.Range(0, 3).Select(i => File($"p{i}.png", [.. Png, .. new byte[300 * 1024]])).ToArray();
        (string[] Args, string Error)[] cases =
        [
            (["-a", Path.Combine(_folder.FullName, "nope.txt")], $"error: cannot read {Path.Combine(_folder.FullName, "nope.txt")}: no such file"),
            (["-a", binary], $"error: cannot attach {binary}: it is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image"),
            (["-a", large], $"error: {large} is too large: 900 KB, and an attachment can be up to 900 KB"),
            (["-a", folder], $"error: cannot attach {folder}: it is a directory"),
            ([.. pictures.SelectMany(p => new[] { "-a", p })], "error: the attachments are too large together: up to 900 KB of text, or three quarters of that in images"),
        ];
        foreach (var (args, error) in cases)
        {
            var run = await CliRun.RunAsync(Args(["ask", "look", .. args]));
            Assert.Equal(2, run.ExitCode);
            Assert.Equal("", run.Out);
            Assert.Equal(error + "\n", run.Error.ReplaceLineEndings("\n"));
        }

        Assert.Equal(before, cli.Servers.Simulator.GetStats().Requests);
    }

    private string[] Args(params string[] args) => [.. args, "--edge", cli.Servers.Edge.Url.ToString(), "--no-log"];

    private string File(string name, string text) => File(name, System.Text.Encoding.UTF8.GetBytes(text));

    private string File(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder.FullName, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }
}
