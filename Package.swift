// swift-tools-version:6.1
//
// CampaignLab — campaign and experiment evaluation for bank analysts.
//
// Layers (dependencies point one way, top to bottom):
//
//   campaignlab (CLI)          thin argument parsing, exit codes, progress
//   CampaignLabNotebook        executable Markdown notebooks: parse, run blocks, build documents
//   CampaignLabAnalyses        named analyses: read the data layer, compute with the core, build report blocks
//   CampaignLabReport          the document model and its renderers (Markdown, HTML, JSON, SVG)
//   CampaignLabDemo            the synthetic demo bank generator
//   CampaignLabWarehouse       remote engines behind the data layer's QueryEngine (PostgreSQL wire, Spark Connect)
//   CampaignLabData            the data contract: read-only SQLite access, check, import; the QueryEngine protocol
//   CampaignLabStats           the numeric core (OpenBLAS, LAPACK, Rmath); knows no SQL
//   CSQLite, COpenBLAS, CRmath system-library shims
import PackageDescription

let package = Package(
    name: "CampaignLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "campaignlab", targets: ["campaignlab"]),
        .library(name: "CampaignLabStats", targets: ["CampaignLabStats"]),
        .library(name: "CampaignLabData", targets: ["CampaignLabData"]),
        .library(name: "CampaignLabWarehouse", targets: ["CampaignLabWarehouse"]),
        .library(name: "CampaignLabDemo", targets: ["CampaignLabDemo"]),
        .library(name: "CampaignLabReport", targets: ["CampaignLabReport"]),
        .library(name: "CampaignLabAnalyses", targets: ["CampaignLabAnalyses"]),
        .library(name: "CampaignLabNotebook", targets: ["CampaignLabNotebook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    ],
    targets: [
        // MARK: System libraries (Debian packages, installed by `make deps`)
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CRmath",
            pkgConfig: "libRmath",
            providers: [.apt(["r-mathlib"])]
        ),

        // MARK: Layers
        .target(
            name: "CampaignLabStats",
            dependencies: ["COpenBLAS", "CRmath"]
        ),
        .target(
            name: "CampaignLabData",
            dependencies: ["CSQLite"]
        ),
        .target(
            name: "CampaignLabWarehouse",
            dependencies: [
                "CampaignLabData",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        .target(
            name: "CampaignLabDemo",
            dependencies: ["CampaignLabData", "CampaignLabStats"]
        ),
        .target(
            name: "CampaignLabReport"
        ),
        .target(
            name: "CampaignLabAnalyses",
            dependencies: ["CampaignLabData", "CampaignLabStats", "CampaignLabReport"]
        ),
        .target(
            name: "CampaignLabNotebook",
            dependencies: ["CampaignLabData", "CampaignLabReport", "CampaignLabAnalyses"]
        ),
        .executableTarget(
            name: "campaignlab",
            dependencies: [
                "CampaignLabStats",
                "CampaignLabData",
                "CampaignLabWarehouse",
                "CampaignLabDemo",
                "CampaignLabReport",
                "CampaignLabAnalyses",
                "CampaignLabNotebook",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Notebooks the tool runs by name (`campaignlab health`); notebooks-md/ links to them.
            resources: [.copy("Notebooks")]
        ),

        // MARK: Tests
        // Helpers every test target may use (temporary folders, the CLI runner, golden files,
        // JSON comparison, the headless browser, numeric closeness): no project module.
        .target(
            name: "CampaignLabTestSupport",
            path: "Tests/CampaignLabTestSupport"
        ),
        // Helpers that build contract databases (fixtures): the data layer's tests and above.
        .target(
            name: "CampaignLabDataTestSupport",
            dependencies: ["CampaignLabData"],
            path: "Tests/CampaignLabDataTestSupport"
        ),
        .testTarget(
            name: "CampaignLabStatsTests",
            dependencies: ["CampaignLabStats", "CampaignLabTestSupport"]
        ),
        .testTarget(
            name: "CampaignLabDataTests",
            dependencies: ["CampaignLabData", "CampaignLabDataTestSupport", "CampaignLabTestSupport"]
        ),
        .testTarget(
            name: "CampaignLabDemoTests",
            dependencies: ["CampaignLabDemo", "CampaignLabData", "CampaignLabDataTestSupport", "CampaignLabTestSupport"]
        ),
        .testTarget(
            name: "CampaignLabReportTests",
            dependencies: ["CampaignLabReport", "CampaignLabTestSupport"],
            // Read from the source tree by path (golden files, broken pages for the browser check).
            exclude: ["Golden", "Fixtures"]
        ),
        .testTarget(
            name: "CampaignLabNotebookTests",
            dependencies: [
                "CampaignLabNotebook", "CampaignLabAnalyses", "CampaignLabReport", "CampaignLabData", "CampaignLabStats",
                "CampaignLabDataTestSupport", "CampaignLabTestSupport",
            ],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "CampaignLabCLITests",
            dependencies: [
                "campaignlab", "CampaignLabData", "CampaignLabWarehouse", "CampaignLabDataTestSupport", "CampaignLabTestSupport",
            ]
        ),
    ]
)
