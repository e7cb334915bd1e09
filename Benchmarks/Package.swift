// swift-tools-version:6.1
//
// Benchmarks for CampaignLab, kept out of the main package so that its users never build
// GRDB. Run with `make bench` from the repository root.
import Foundation
import PackageDescription

// A path dependency is identified by its folder's name, which depends on where the
// repository was cloned; derive it instead of hard-coding it.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "CampaignLabBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "campaignlab-bench",
            dependencies: [
                .product(name: "CampaignLabData", package: rootPackage),
                .product(name: "CampaignLabStats", package: rootPackage),
                .product(name: "CampaignLabAnalyses", package: rootPackage),
                .product(name: "CampaignLabNotebook", package: rootPackage),
                .product(name: "CampaignLabReport", package: rootPackage),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
    ]
)
