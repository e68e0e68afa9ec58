// Data store: SHA-256 checks, downloads through a fake fetcher (atomic, nothing partial left), offline messages.
// Must not: reach the network (the offline test connects to a closed local port).

namespace Vae.Tests.Data;

public class DataStoreTests
{
    sealed class FakeFetcher(Action<string, Stream> fetch) : IFileFetcher
    {
        public List<string> Calls { get; } = [];
        public void Fetch(string url, Stream destination) { Calls.Add(url); fetch(url, destination); }
    }

    static readonly byte[] Content = "the real file content"u8.ToArray();
    static readonly string ContentSha = DataStore.Sha256Hex(Content);

    static DataFile FileWith(string sha, params string[] urls) => new("f", "sub", [new FileForm("data.bin", sha, urls)]);

    static string[] FilesUnder(string dir) =>
        Directory.Exists(dir) ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).ToArray() : [];

    [Fact]
    public void Present_file_with_matching_checksum_is_returned()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("sub"));
        File.WriteAllBytes(dir.File("sub/data.bin"), Content);
        var (bytes, path) = new DataStore(new DataRoot(dir.Path, "test"), fetcher: null).ReadVerified(FileWith(ContentSha));
        Assert.Equal(Content, bytes);
        Assert.Equal(dir.File("sub/data.bin"), path);
    }

    [Fact]
    public void Checksum_mismatch_of_a_present_file_names_the_file_and_both_hashes()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("sub"));
        File.WriteAllBytes(dir.File("sub/data.bin"), Content);
        string wrong = new('0', 64);
        var store = new DataStore(new DataRoot(dir.Path, "test"), fetcher: null);
        var e = Assert.Throws<ChecksumMismatchException>(() => store.ReadVerified(FileWith(wrong, "https://example.org/data.bin")));
        Assert.Equal(dir.File("sub/data.bin"), e.FilePath);
        Assert.Equal((wrong, ContentSha), (e.Expected, e.Found));
        Assert.Contains($"expected {wrong}, found {ContentSha} ({Content.Length} bytes)", e.Message);
        Assert.Contains("https://example.org/data.bin", e.Message);
        Assert.IsType<DataFormatException>(e, exactMatch: false);
    }

    [Fact]
    public void Missing_file_with_downloads_disabled_names_the_file_the_url_and_the_folder()
    {
        using var dir = new TempDir();
        var store = new DataStore(new DataRoot(dir.Path, "test"), fetcher: null);
        var e = Assert.Throws<DataUnavailableException>(() => store.ReadVerified(FileWith(ContentSha, "https://example.org/data.bin")));
        Assert.Contains("data.bin", e.Message);
        Assert.Contains("https://example.org/data.bin", e.Message);
        Assert.Contains($"put it in {dir.File("sub")}/", e.Message);
    }

    [Fact]
    public void Missing_file_without_network_names_the_file_the_url_and_the_folder_and_leaves_nothing()
    {
        using var dir = new TempDir();
        const string url = "http://127.0.0.1:9/data.bin"; // discard port: nothing listens, the connection is refused
        var store = new DataStore(new DataRoot(dir.Path, "test"), new HttpFetcher());
        var e = Assert.Throws<DataUnavailableException>(() => store.ReadVerified(FileWith(ContentSha, url)));
        Assert.Contains("data file data.bin is missing", e.Message);
        Assert.Contains(url, e.Message);
        Assert.Contains($"put it in {dir.File("sub")}/", e.Message);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public void Download_is_verified_and_renamed_into_place_with_no_temporary_left()
    {
        using var dir = new TempDir();
        var fetcher = new FakeFetcher((_, s) => s.Write(Content));
        var store = new DataStore(new DataRoot(dir.Path, "test"), fetcher);
        var (bytes, path) = store.ReadVerified(FileWith(ContentSha, "https://a/data.bin"));
        Assert.Equal(Content, bytes);
        Assert.Equal(Content, File.ReadAllBytes(path));
        Assert.Equal(["data.bin"], FilesUnder(dir.Path));
        store.ReadVerified(FileWith(ContentSha, "https://a/data.bin"));
        Assert.Single(fetcher.Calls); // present now: not downloaded again
    }

    [Fact]
    public void Download_with_wrong_checksum_is_discarded_and_reported()
    {
        using var dir = new TempDir();
        var store = new DataStore(new DataRoot(dir.Path, "test"), new FakeFetcher((_, s) => s.Write("tampered"u8)));
        var e = Assert.Throws<ChecksumMismatchException>(() => store.ReadVerified(FileWith(ContentSha, "https://a/data.bin")));
        Assert.Contains($"expected {ContentSha}", e.Message);
        Assert.Contains("The download from https://a/data.bin was discarded", e.Message);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public void Download_failing_midway_leaves_no_partial_file()
    {
        using var dir = new TempDir();
        var store = new DataStore(new DataRoot(dir.Path, "test"), new FakeFetcher((_, s) =>
        {
            s.Write(Content.AsSpan(0, 5));
            throw new IOException("connection reset");
        }));
        var e = Assert.Throws<DataUnavailableException>(() => store.ReadVerified(FileWith(ContentSha, "https://a/data.bin")));
        Assert.Contains("https://a/data.bin: IOException: connection reset", e.Message);
        Assert.Empty(FilesUnder(dir.Path));
    }

    [Fact]
    public void Next_url_is_tried_when_the_first_fails()
    {
        using var dir = new TempDir();
        var fetcher = new FakeFetcher((url, s) =>
        {
            if (url.Contains("first")) throw new HttpRequestException("503");
            s.Write(Content);
        });
        var store = new DataStore(new DataRoot(dir.Path, "test"), fetcher);
        var (bytes, _) = store.ReadVerified(FileWith(ContentSha, "https://first/data.bin", "https://second/data.bin"));
        Assert.Equal(Content, bytes);
        Assert.Equal(["https://first/data.bin", "https://second/data.bin"], fetcher.Calls);
    }

    [Fact]
    public void A_later_form_present_locally_is_used_and_a_missing_one_downloads_the_first_form_with_urls()
    {
        using var dir = new TempDir();
        var file = new DataFile("f", "sub", [new FileForm("data.gz", "aa", []), new FileForm("data.txt", ContentSha, ["https://a/data.txt"])]);
        var fetcher = new FakeFetcher((_, s) => s.Write(Content));
        var store = new DataStore(new DataRoot(dir.Path, "test"), fetcher);
        var (_, path) = store.ReadVerified(file); // nothing present: downloads data.txt (data.gz has no URL)
        Assert.EndsWith("data.txt", path);
        Assert.Single(fetcher.Calls);
        Assert.Equal(path, store.Ensure(file).Path);
    }

    [Fact]
    public void Verify_reports_present_missing_and_mismatched_forms()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("sub"));
        File.WriteAllBytes(dir.File("sub/a.bin"), Content);
        File.WriteAllBytes(dir.File("sub/b.bin"), Content);
        var info = Catalog.Get("frey-face") with
        {
            Files = [new DataFile("a", "sub", [new FileForm("a.bin", ContentSha, [])]), new DataFile("b", "sub", [new FileForm("b.bin", "00", []), new FileForm("c.bin", "00", [])])],
        };
        var r = new DataStore(new DataRoot(dir.Path, "test"), fetcher: null).Verify(info);
        Assert.Equal([(true, true), (true, false), (false, false)], r.Select(v => (v.Present, v.Ok)));
        Assert.Equal(ContentSha, r[1].Found);
    }
}
