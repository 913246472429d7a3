// type-graphql's decorators need the Reflect metadata API loaded before any schema class.
import "reflect-metadata";
