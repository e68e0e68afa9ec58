// Gathers every finished run under results/ into results/REPORT.md (tables) and results/report.html (Fig. 2-style
// curves, tables, image grids; plotly.js inline, so it opens offline). Run: dotnet fsi experiments/report.fsx
#load "_build.fsx";;
#load "_common.fsx"

report ()
