// type-graphql's decorators need the metadata API before any type module loads, whatever a test imports first.
import 'reflect-metadata';
